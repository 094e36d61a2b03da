export function main(argv: readonly string[]): Promise<number> {
  process.stdout.write(`k0rdent-deploy ${argv.join(' ')}\n`);
  return Promise.resolve(0);
}
