/** The `k0rdent-deploy` command line: argument parsing and the one top-level catch. */
import type { Command } from 'commander';
import { ExitCode, exitCodeOf, FileError, messageOf, UserError } from '../errors.js';
import { ValidationError } from '../engine/evaluate.js';
import { maskCommand, onSecretRegistered, redact } from '../secrets.js';
import { DeploymentMismatchError } from '../state/merge.js';
import { DEPLOYMENT_ID_PATTERN, DEPLOYMENT_ID_RULE } from '../state/names.js';
import { STATE_DIR_ENV } from '../stores/local-store.js';
import * as commands from './commands.js';
import type { GlobalOptions } from './commands.js';

export interface CliEnvironment {
  /** Path of the CLI entry file, so that phase scripts can call `k0rdent-deploy` back. */
  readonly cliPath?: string;
}

export async function main(argv: readonly string[], environment: CliEnvironment = {}): Promise<number> {
  let exitCode: number = ExitCode.ok;
  // Inside a phase (the engine reads this output) or on a runner, a secret this process learns is
  // handed over as a mask command, the runner's protocol, before anything can print it.
  if (process.env.K0RDENT_PHASE !== undefined || process.env.GITHUB_ACTIONS === 'true') {
    onSecretRegistered((value) => process.stdout.write(`${maskCommand(value)}\n`));
  }
  // Loaded here rather than at the top of the bundle: commander requires child_process (and with it
  // net and streams), which the actions, sharing this bundle, never need at start-up.
  const commander = await import('commander');
  const program = buildProgram(commander, environment, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, commander);
  }
}

type Commander = typeof import('commander');

function report(error: unknown, commander: Commander): number {
  if (error instanceof commander.CommanderError) {
    // Commander printed the problem already; help and --version are successes.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
  }
  if (error instanceof FileError || error instanceof UserError || error instanceof DeploymentMismatchError) {
    process.stderr.write(`error: ${redact(error.message)}\n`);
    return error instanceof DeploymentMismatchError ? ExitCode.invalidInput : exitCodeOf(error);
  }
  if (error instanceof ValidationError) {
    process.stderr.write(`error: ${redact(error.message)}\n`);
    return ExitCode.phaseFailed;
  }
  process.stderr.write(`error: ${redact(messageOf(error))}\n`);
  if (process.env.K0RDENT_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${redact(error.stack)}\n`);
  return exitCodeOf(error);
}

function buildProgram(
  { Command, Option, InvalidArgumentError }: Commander,
  environment: CliEnvironment,
  setExit: (code: number) => void,
): Command {
  const program = new Command('k0rdent-deploy')
    .description(
      'Resumable, phase-gated deployments: every phase is skipped when done and still true, resumed when interrupted.',
    )
    .version('0.1.0', '--version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addOption(
      new Option('--state-dir <dir>', 'local state directory').env(STATE_DIR_ENV).default('state', './state'),
    )
    .option(
      '--pipeline <file>',
      'a pipeline of your own phases (YAML); default: the one the state was run with',
    )
    .option(
      '--config <file>',
      'k0rdent config file (default: config/k0rdent.yaml, then config/k0rdent-default.yaml)',
    )
    .option(
      '--deployment-id <id>',
      'the deployment to work on; must agree with the pipeline, the config and the state directory',
      (value: string) => {
        if (!DEPLOYMENT_ID_PATTERN.test(value))
          throw new InvalidArgumentError(`expected a deployment id: ${DEPLOYMENT_ID_RULE}`);
        return value;
      },
    )
    .option('--no-color', 'plain output without colours');

  const globals = (command: Command): GlobalOptions => {
    const g = command.optsWithGlobals<{
      stateDir: string;
      pipeline?: string;
      config?: string;
      deploymentId?: string;
      color: boolean;
    }>();
    return {
      stateDir: g.stateDir,
      ...(g.pipeline !== undefined ? { pipeline: g.pipeline } : {}),
      ...(g.config !== undefined ? { config: g.config } : {}),
      ...(g.deploymentId !== undefined ? { deploymentId: g.deploymentId } : {}),
      onNotice: (message: string) => process.stderr.write(`notice: ${redact(message)}\n`),
      ...(g.color ? {} : { color: false }),
      ...(environment.cliPath !== undefined ? { cliPath: environment.cliPath } : {}),
    };
  };
  // Commander's parsed options are untyped: T states each command's option shape, once, at its handler.
  const action =
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
    <T extends object>(fn: (options: GlobalOptions & T) => Promise<number>) =>
      async (...args: unknown[]) => {
        const command = args.at(-1) as Command;
        setExit(await fn({ ...globals(command), ...command.opts<T>() }));
      };
  const collect = (value: string, previous: string[] = []) => [...previous, value];

  program
    .command('run')
    .description('run the pipeline: each phase in order, skipped when completed and still true')
    .option('--only <phase>', 'run this phase only (its needs must be completed)')
    .option('--until <phase>', 'run up to and including this phase')
    .option('--force', 'with --only: run the phase even when it is completed')
    .option('--enable <phase>', 'switch an optional phase on for this run (repeatable)', collect)
    .option('--disable <phase>', 'switch an optional phase off for this run (repeatable)', collect)
    .option('--json', 'print the run summary as JSON (progress goes to stderr)')
    .action(action(commands.runCommand));

  program
    .command('status')
    .description('show every phase, its status, reason, last update and attempts, and the artifacts')
    .option('--json', 'machine-readable output')
    .action(action(commands.statusCommand));

  program
    .command('plan')
    .description('show what run would do now and why (validators run; nothing is changed)')
    .option('--only <phase>', 'plan this phase only')
    .option('--until <phase>', 'plan up to and including this phase')
    .option('--force', 'with --only: as if the phase were forced')
    .option('--enable <phase>', 'as if this optional phase were switched on (repeatable)', collect)
    .option('--disable <phase>', 'as if this optional phase were switched off (repeatable)', collect)
    .option('--json', 'machine-readable output')
    .action(action(commands.planCommand));

  program
    .command('reset')
    .description('set a phase and every phase that needs it back to pending (undoes nothing)')
    .requiredOption('--from <phase>', 'the first phase to reset')
    .option('--dry-run', 'show what would be reset')
    .action(action(commands.resetCommand));

  program
    .command('rollback')
    .description(
      'undo the phases from the last back to a phase (their rollback commands, newest first), then reset them',
    )
    .requiredOption('--to <phase>', 'the earliest phase to undo')
    .option('--destroy', 'run the undo steps, deleting what the phases built (the default)')
    .option('--no-destroy', 'only reset the state of those phases; undo nothing')
    .option('--dry-run', 'show what would be undone')
    .option('--force', 'carry on past a failing undo step and report it')
    .option(
      '--fast',
      'built-in deployment, --to setup_network or prepare_deployment: delete the resource group at once',
    )
    .action(action(commands.rollbackCommand));

  program
    .command('state')
    .description('operations on stored state')
    .command('rekey')
    .description(
      `re-encrypt state snapshot files under the key in $K0RDENT_STATE_KEY (read with it or $K0RDENT_PREVIOUS_STATE_KEY)`,
    )
    .argument('[snapshots...]', 'state snapshot files (downloaded or archived state artifacts)')
    .action(async (snapshots: string[], _opts: unknown, command: Command) => {
      setExit(await commands.stateRekeyCommand({ ...globals(command), snapshots }));
    });

  const config = program.command('config').description('check and show the k0rdent configuration');
  config
    .command('validate')
    .description('validate the config file; each problem is reported with its key path and allowed values')
    .action(action(commands.configValidateCommand));
  config
    .command('show')
    .description('print the effective configuration, with every default filled in')
    .option('--json', 'as JSON')
    .action(action(commands.configShowCommand));

  const artifact = program.command('artifact').description('record and verify the files phases produce');
  artifact
    .command('record')
    .description('record a file (path, sha256, size) as an artifact of the running phase')
    .argument('<name>', 'artifact name (snake_case)')
    .argument('<path>', 'file to record')
    .option('--sensitive', 'the file holds secret material')
    .option('--phase <phase>', 'producing phase (default: $K0RDENT_PHASE, set for phase commands)')
    .action(async (name: string, path: string, _opts: unknown, command: Command) => {
      setExit(await commands.artifactRecordCommand({ ...globals(command), ...command.opts(), name, path }));
    });
  artifact
    .command('verify')
    .description('check that recorded artifacts exist and match their checksums (exit 1 if not)')
    .argument('[name]', 'one artifact (default: all)')
    .option('--json', 'machine-readable output')
    .action(async (name: string | undefined, _opts: unknown, command: Command) => {
      setExit(
        await commands.artifactVerifyCommand({
          ...globals(command),
          ...command.opts(),
          ...(name ? { name } : {}),
        }),
      );
    });

  program
    .command('history')
    .description('the deployment events, newest last')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'only the last n events', (value: string) => {
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed <= 0)
        throw new InvalidArgumentError('expected a positive whole number');
      return parsed;
    })
    .action(action(commands.historyCommand));

  program
    .command('migrate')
    .description('migrate an upstream (bash project) state file to schema 2 and report what was inferred')
    .option('--dry-run', 'report without writing')
    .action(action(commands.migrateCommand));

  return program;
}
