/** Module hooks for client-parser.mjs: `socket.io-client` resolves to client-parser-wrapper.mjs. */
const WRAPPER = new URL('./client-parser-wrapper.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'socket.io-client' && context.parentURL !== WRAPPER)
    return { url: WRAPPER, shortCircuit: true };
  return next(specifier, context);
}
