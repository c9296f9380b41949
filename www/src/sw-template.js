// The service worker of one Procura page (generated into dist/sw.js for the playground and
// dist/sw-checkout.js for the checkout demo by vite.config.js): precaches what that page
// needs, then answers from the cache so that the page keeps working offline. Pages are
// fetched from the network first (to pick up a new build), falling back to the cache;
// hashed assets come from the cache first.
const VERSION = "__VERSION__";
const NAME = "__NAME__";
const CACHE = `procura-${NAME}-${VERSION}`;
const PRECACHE = [] /* __PRECACHE__ */;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => (k.startsWith(`procura-${NAME}-`) || /^procura-[0-9a-f]{16}$/.test(k)) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      if (request.mode === "navigate") {
        try {
          const response = await fetch(request);
          if (response.ok) cache.put(request, response.clone());
          return response;
        } catch (error) {
          const cached = (await cache.match(request, { ignoreSearch: true })) ?? (await cache.match(PRECACHE[0]));
          if (cached) return cached;
          throw error;
        }
      }
      const cached = await cache.match(request, { ignoreSearch: true });
      if (cached) return cached;
      return fetch(request);
    })(),
  );
});
