/** The user-defined pipeline file (`--pipeline FILE`). */
import * as z from 'zod/mini';
import {
  DEPLOYMENT_ID_PATTERN,
  DEPLOYMENT_ID_RULE,
  SINGLE_LINE_PATTERN,
  SNAKE_NAME_PATTERN,
  SNAKE_NAME_RULE,
} from '../../state/names.js';

const snakeName = z.string().check(z.regex(SNAKE_NAME_PATTERN, `expected ${SNAKE_NAME_RULE}`));
const script = z.string().check(z.trim(), z.minLength(1, 'must not be empty'));

export const PipelinePhaseSchema = z
  .strictObject({
    name: snakeName,
    display_name: z.optional(
      z
        .string()
        .check(
          z.trim(),
          z.minLength(1),
          z.maxLength(120),
          z.regex(SINGLE_LINE_PATTERN, 'must be one line of printable text'),
        ),
    ),
    needs: z.optional(z.array(z.string())),
    run: script,
    validate: z.optional(script),
    rollback: z.optional(script),
    inputs: z.optional(z.record(snakeName, z.union([z.string(), z.number(), z.boolean()]))),
    optional: z.optional(z.boolean()),
    enabled: z.optional(z.boolean()),
    runner_scoped: z.optional(z.boolean()),
  })
  .check(
    z.refine((phase) => phase.enabled === undefined || phase.optional === true, {
      message: 'enabled applies only to optional phases; add optional: true or remove enabled',
      path: ['enabled'],
    }),
  );

export const PipelineSchema = z.strictObject({
  deployment: z.optional(
    z.string().check(z.regex(DEPLOYMENT_ID_PATTERN, `expected a deployment id: ${DEPLOYMENT_ID_RULE}`)),
  ),
  phases: z.array(PipelinePhaseSchema).check(z.minLength(1, 'a pipeline needs at least one phase')),
});

export type PipelinePhaseSpec = z.infer<typeof PipelinePhaseSchema>;
export type PipelineSpec = z.infer<typeof PipelineSchema>;
