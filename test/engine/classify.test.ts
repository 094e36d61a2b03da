import { AzureLoginError } from '../../src/azure/credential.js';
import { classifyFailure, classifyText } from '../../src/engine/classify.js';
import { CommandFailedError, PhaseConfigurationError, TransientPhaseError } from '../../src/phases/phase.js';
import { registerSecret, resetSecretsForTests } from '../../src/secrets.js';

afterEach(() => resetSecretsForTests());

describe('classifying failure text', () => {
  test.each([
    // Quota: the word, Azure's codes, and the core limits in their several phrasings.
    ['Operation results in exceeding approved Total Regional Cores quota', 'quota'],
    ['SkuNotAvailable: Standard_D2s_v5 is not available in westeurope', 'quota'],
    ['this exceeds the regional cores limit', 'quota'],
    ['request exceeds regional limit', 'quota'],
    ['would exceed the family core limit', 'quota'],
    ['exceeds family limit', 'quota'],
    // Quota wins over anything transient in the same text.
    ['quota exceeded, try again later', 'quota'],
    // Transient: timeouts, dropped connections, throttling, 429 and 502-504, cancellation.
    ['request timed out', 'transient'],
    ['timeout after 30 s', 'transient'],
    ['time out', 'transient'],
    ['connect ETIMEDOUT 10.0.0.1:443', 'transient'],
    ['read ECONNRESET', 'transient'],
    ['connect ECONNREFUSED 127.0.0.1:6443', 'transient'],
    ['getaddrinfo EAI_AGAIN management.azure.com', 'transient'],
    ['write EPIPE', 'transient'],
    ['HTTP 429', 'transient'],
    ['Too Many Requests', 'transient'],
    ['status 502', 'transient'],
    ['status 503', 'transient'],
    ['status 504', 'transient'],
    ['a temporary failure in name resolution', 'transient'],
    ['please try again', 'transient'],
    ['request was throttled', 'transient'],
    ['operation canceled', 'transient'],
    ['operation cancelled', 'transient'],
    // Config: refused credentials and bad requests.
    ['AuthorizationFailed: the client does not have authorization', 'config'],
    ['AuthenticationFailed', 'config'],
    ['InvalidParameter: vmSize', 'config'],
    ['InvalidTemplate', 'config'],
    ['HTTP 401', 'config'],
    ['HTTP 403', 'config'],
    ['Forbidden', 'config'],
    ['Unauthorized', 'config'],
    ['unauthorised', 'config'],
    // Numbers that only look like status codes, and everything else.
    ['record 14290 of 20000', 'unknown'],
    ['id 4291', 'unknown'],
    ['HTTP 501', 'unknown'],
    ['HTTP 500', 'unknown'],
    ['port 15030', 'unknown'],
    ['code 5023', 'unknown'],
    ['HTTP 402', 'unknown'],
    ['HTTP 400', 'unknown'],
    ['error 14031', 'unknown'],
    ['id 4013', 'unknown'],
    ['exceeds limit', 'unknown'],
    ['something else broke', 'unknown'],
  ])('%s → %s', (text, expected) => {
    expect(classifyText(text)).toBe(expected);
  });
});

describe('classifying a failure', () => {
  test('errors a phase raises say their class', () => {
    expect(classifyFailure(new PhaseConfigurationError('worker count must be positive'))).toStrictEqual({
      message: 'worker count must be positive',
      class: 'config',
    });
    expect(classifyFailure(new TransientPhaseError('quota of patience exceeded'))).toStrictEqual({
      message: 'quota of patience exceeded',
      class: 'transient',
    });
  });

  test('a failed Azure login is worth a re-run only when the login endpoint was unreachable', () => {
    expect(classifyFailure(new AzureLoginError('connect ETIMEDOUT login.microsoftonline.com'))).toStrictEqual(
      {
        message: 'connect ETIMEDOUT login.microsoftonline.com',
        class: 'transient',
      },
    );
    expect(classifyFailure(new AzureLoginError('AADSTS700016: application not found'))).toStrictEqual({
      message: 'AADSTS700016: application not found',
      class: 'config',
    });
    expect(classifyFailure(new AzureLoginError('quota exceeded'))).toMatchObject({ class: 'config' });
  });

  test('a failed command keeps its last 8 non-blank output lines, indented, and is classified by them', () => {
    const tail = [
      '',
      'line 1',
      '  ',
      'line 2',
      'line 3',
      'line 4',
      'line 5',
      'line 6',
      'line 7',
      'line 8',
      'ECONNRESET',
      '',
    ];
    expect(classifyFailure(new CommandFailedError('k0sctl apply exited with 1', 1, tail))).toStrictEqual({
      message: [
        'k0sctl apply exited with 1',
        '  line 2',
        '  line 3',
        '  line 4',
        '  line 5',
        '  line 6',
        '  line 7',
        '  line 8',
        '  ECONNRESET',
      ].join('\n'),
      class: 'transient',
      exit_code: 1,
    });
    // The message itself does not decide the class: only the output does.
    expect(classifyFailure(new CommandFailedError('timed out', 2, ['nothing useful']))).toStrictEqual({
      message: 'timed out\n  nothing useful',
      class: 'unknown',
      exit_code: 2,
    });
    expect(classifyFailure(new CommandFailedError('killed', undefined, []))).toStrictEqual({
      message: 'killed',
      class: 'unknown',
    });
  });

  test('exit codes 75 and 78 (sysexits EX_TEMPFAIL, EX_CONFIG) state the class whatever the output says', () => {
    expect(classifyFailure(new CommandFailedError('x', 75, ['quota exceeded']))).toMatchObject({
      class: 'transient',
      exit_code: 75,
    });
    expect(classifyFailure(new CommandFailedError('x', 78, ['timed out']))).toMatchObject({
      class: 'config',
      exit_code: 78,
    });
    expect(classifyFailure(new CommandFailedError('x', 76, ['timed out']))).toMatchObject({
      class: 'transient',
    });
    expect(classifyFailure(new CommandFailedError('x', 77, ['quota']))).toMatchObject({ class: 'quota' });
  });

  test('HTTP errors are classified by their status code', () => {
    const http = (statusCode: unknown, message = 'request failed') =>
      Object.assign(new Error(message), { statusCode });
    expect(classifyFailure(http(429))).toStrictEqual({ message: 'request failed', class: 'transient' });
    expect(classifyFailure(http(500))).toMatchObject({ class: 'transient' });
    expect(classifyFailure(http(503))).toMatchObject({ class: 'transient' });
    expect(classifyFailure(http(400))).toStrictEqual({ message: 'request failed', class: 'config' });
    expect(classifyFailure(http(401))).toMatchObject({ class: 'config' });
    expect(classifyFailure(http(403))).toMatchObject({ class: 'config' });
    // Other codes, or a code that is not a number, fall back to the message.
    expect(classifyFailure(http(404, 'ResourceNotFound'))).toMatchObject({ class: 'unknown' });
    expect(classifyFailure(http(499, 'request timed out'))).toMatchObject({ class: 'transient' });
    expect(classifyFailure(http('503', 'unavailable'))).toMatchObject({ class: 'unknown' });
  });

  test('anything else is classified by its message', () => {
    expect(classifyFailure(new Error('socket hang up: ECONNRESET'))).toStrictEqual({
      message: 'socket hang up: ECONNRESET',
      class: 'transient',
    });
    expect(classifyFailure('a thrown string')).toStrictEqual({
      message: 'a thrown string',
      class: 'unknown',
    });
    expect(classifyFailure(undefined)).toMatchObject({ class: 'unknown' });
  });

  test('the message is redacted: it is printed and persisted', () => {
    registerSecret('hunter2-password');
    expect(classifyFailure(new Error('login with hunter2-password failed')).message).toBe(
      'login with *** failed',
    );
    expect(
      classifyFailure(new CommandFailedError('ssh failed', 255, ['password hunter2-password rejected']))
        .message,
    ).toBe('ssh failed\n  password *** rejected');
  });
});
