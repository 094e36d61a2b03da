/** Remote commands are plain words: anything a remote shell would interpret is refused before ssh runs. */
import { remoteCommand } from '../../src/tools/ssh.js';

test('plain words are joined; shell syntax in any word is refused', () => {
  expect(remoteCommand(['sudo', '-n', 'k0s', 'etcd', 'leave', '--peer-address', '10.0.1.5'])).toBe(
    'sudo -n k0s etcd leave --peer-address 10.0.1.5',
  );
  for (const word of ['$(reboot)', 'a;b', 'x y', '`id`', '>out', 'a|b', ''])
    expect(() => remoteCommand(['echo', word])).toThrow(/refusing to send/);
});
