import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { i18n } from "./lib/i18n.svelte";
import { applyTheme, storedTheme } from "./lib/theme";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

// The chosen theme and language, before the first paint; "system" follows later OS changes too.
applyTheme(storedTheme());
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme(storedTheme()));
document.documentElement.lang = i18n.locale;

export default mount(App, { target });
