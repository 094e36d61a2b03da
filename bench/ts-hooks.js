// Lets Node 24 run the TypeScript sources directly for benchmarks: imports written with the `.js`
// suffix (NodeNext style) resolve to the `.ts` file next to them when no `.js` file exists.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) {
        return nextResolve(specifier.slice(0, -3) + '.ts', context);
      }
      throw error;
    }
  },
});
