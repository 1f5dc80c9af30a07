import { ApolloServerPlugin } from '@apollo/server';
import { EXPLORER_PATH } from './explorer.routes';

const LINK = `<p id="offline-explorer">No internet? The built-in explorer works offline: <a href="${EXPLORER_PATH}/">${EXPLORER_PATH}</a></p>`;

/** Puts the link to the offline explorer into the text Apollo shows when Sandbox cannot load from its CDN. */
export function addExplorerLink(html: string): string {
  return (
    html
      .replace(/(<div class="fallback">[\s\S]*?)(<\/div>)/, (_m, body: string, end: string) => `${body}${LINK}\n${end}`)
      // Offline, Sandbox's full-page container stays empty yet covers the page: let clicks through to the link.
      // (Inside Apollo's own style element, which carries the nonce its CSP asks for.)
      .replace('#embeddableSandbox {', '#embeddableSandbox:empty { pointer-events: none; }\n  #embeddableSandbox {')
  );
}

/** Apollo's landing page as it is, plus the link to the offline explorer. */
export function withExplorerLink<T extends object>(plugin: ApolloServerPlugin<T>): ApolloServerPlugin<T> {
  return {
    async serverWillStart(ctx) {
      const listener = await plugin.serverWillStart?.(ctx);
      if (!listener?.renderLandingPage) return listener;
      const render = listener.renderLandingPage.bind(listener);
      return {
        ...listener,
        async renderLandingPage() {
          const page = await render();
          return { html: async () => addExplorerLink(typeof page.html === 'string' ? page.html : await page.html()) };
        },
      };
    },
  };
}
