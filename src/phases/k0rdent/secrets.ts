/**
 * Masking secrets the moment they exist. The GitHub Actions layer registers `core.setSecret` here;
 * the CLI leaves it a no-op (it never prints secrets). Multi-line material is masked line by line,
 * as the runner masks per line.
 */
type Mask = (value: string) => void;

let mask: Mask = () => undefined;

export function setSecretMasker(masker: Mask): void {
  mask = masker;
}

export function protectSecret(value: string): void {
  for (const line of value.split('\n')) {
    const trimmed = line.trim();
    // Short or structural lines (`-----BEGIN …`, `apiVersion: v1`) would mask half the log.
    if (trimmed.length >= 16 && !/^-----(BEGIN|END) /.test(trimmed)) mask(trimmed);
  }
}
