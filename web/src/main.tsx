import "@fontsource/sarabun/thai-400.css";
import "@fontsource/sarabun/latin-400.css";
import "@fontsource/sarabun/thai-600.css";
import "@fontsource/sarabun/latin-600.css";
import "./styles.css";
import { render } from "preact";
import { App } from "./app";
import { flushOutbox, refreshOutbox } from "./state";

render(<App />, document.getElementById("app")!);

void refreshOutbox().then(() => flushOutbox());

if ("serviceWorker" in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
    /* no service worker (private mode, plain HTTP): the app still works online */
  });
}
