/** The outbox's IndexedDB store (database `khortor-outbox`, object store `items`). */
import { clear, createStore, del, set, values } from "idb-keyval";
import type { OutboxItem, OutboxStore } from "./outbox";

export function idbStore<I>(dbName = "khortor-outbox"): OutboxStore<I> {
  const store = createStore(dbName, "items");
  return {
    all: () => values<OutboxItem<I>>(store),
    put: (item) => set(item.clientId, item, store),
    remove: (clientId) => del(clientId, store),
    clear: () => clear(store),
  };
}
