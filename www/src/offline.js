// Registers a page's service worker (dist/sw.js for the playground, dist/sw-checkout.js for
// the checkout demo, written by the build with only what that page needs; there is none
// under the dev server).
export function registerServiceWorker(script, scope) {
  if (!("serviceWorker" in navigator) || import.meta.env.DEV) return;
  navigator.serviceWorker.register(script, { scope }).catch(() => {
    /* no service worker (e.g. a file:// page): the pages still work online */
  });
}
