/**
 * YAML that stands for far more than it says: anchors nested `levels` deep, each repeating the one
 * below `fanOut` times. 9 × 9 is 81 aliases for 9^9 leaves, the shape a fault campaign used.
 */
export function aliasBomb(indent: string, levels = 9, fanOut = 9): string {
  const leaves = Array.from({ length: fanOut }, () => 'xxxxxxxx').join(', ');
  const lines = [`${indent}l0: &a0 [${leaves}]`];
  for (let level = 1; level <= levels; level++) {
    const aliases = Array.from({ length: fanOut }, () => `*a${level - 1}`).join(', ');
    lines.push(`${indent}l${level}: &a${level} [${aliases}]`);
  }
  return lines.join('\n') + '\n';
}

/** Puts `block` (mapping lines) as the `data` of the state text's last event, before the end marker. */
export function withEventData(stateText: string, block: string): string {
  const marker = '# end of k0rdent-deploy state';
  if (!stateText.includes(marker)) throw new Error('not a state file written by k0rdent-deploy');
  return stateText.replace(marker, `    data:\n${block}${marker}`);
}
