/** Text that is not ours never becomes a workflow command, and known secrets never reach the log. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import { info, neutralize, notice, setOutput } from '../../src/actions/runner-commands.js';
import { registerSecret, resetSecretsForTests } from '../../src/secrets.js';

afterEach(() => resetSecretsForTests());

function captured(work: () => void): string {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    work();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

test('a multi-line message cannot start a line with a workflow command', () => {
  const message =
    'install_k0s failed:\n::set-output name=ran::false\n  ::add-mask::x\n::stop-commands::token';
  const out = captured(() => info(message));
  expect(out).not.toMatch(/^\s*::/m);
  expect(out).toContain(':\u200b:set-output name=ran::false');
  expect(neutralize('plain :: text')).toBe('plain :: text');
});

test('annotations keep their message on one line and mask known secrets', () => {
  registerSecret('sk-live-abcdef123456');
  const out = captured(() => notice('token sk-live-abcdef123456\n::error::x', { title: 'a\ntitle' }));
  expect(out.trim().split('\n')).toHaveLength(1);
  expect(out).not.toContain('sk-live-abcdef123456');
  expect(out).toContain('token ***%0A::error::x');
});

test('outputs are redacted too', () => {
  registerSecret('sk-live-abcdef123456');
  const file = `${process.env.TMPDIR ?? '/tmp'}/k0rdent-output-${process.pid}`;
  writeFileSync(file, '');
  process.env.GITHUB_OUTPUT = file;
  try {
    setOutput('reason', 'failed with sk-live-abcdef123456');
    expect(readFileSync(file, 'utf8')).toContain('failed with ***');
  } finally {
    delete process.env.GITHUB_OUTPUT;
    rmSync(file, { force: true });
  }
});
