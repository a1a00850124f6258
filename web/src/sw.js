/* Khortor service worker: the app shell works with no network.
 *
 * The build (vite.config.ts) replaces the two placeholders with the list of built files and
 * a version. Only the app shell is cached: GraphQL requests (which carry citizens' personal
 * data) are never intercepted or stored here, and cases waiting to be sent live in the
 * page's IndexedDB outbox, which deletes each one as soon as the server has it.
 */
const PRECACHE = __PRECACHE__;
const VERSION = __VERSION__;
const CACHE = "khortor-shell-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("khortor-shell-") && key !== CACHE)
          .map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/graphql" || url.pathname === "/healthz") return;
  // Files of cases (personal data) and uploads are never intercepted nor cached here: waiting
  // files live in the page's IndexedDB outbox, downloads are fetched with no-store.
  if (url.pathname.startsWith("/attachments/") || url.pathname.startsWith("/uploads")) return;

  if (request.mode === "navigate") {
    // Every page of the app is the same shell: serve it from the cache, so it opens
    // instantly on a slow line and at all with none. A new build brings a new worker.
    event.respondWith(
      caches.match("/", { cacheName: CACHE })
        .then((cached) => cached || fetch(request)),
    );
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches.match(url.pathname, { cacheName: CACHE })
        .then((cached) => cached || fetch(request)),
    );
  }
});
