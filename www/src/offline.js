// Registers the service worker that keeps the pages working offline (dist/sw.js, written
// by the build; there is none under the dev server).
export function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || import.meta.env.DEV) return;
  navigator.serviceWorker.register("./sw.js").catch(() => {
    /* no service worker (e.g. a file:// page): the pages still work online */
  });
}
