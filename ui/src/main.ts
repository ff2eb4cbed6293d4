import { mount } from "svelte";
import "./theme.css";
import App from "./Root.svelte";

// public/boot.js shows load-time errors; Root's boundary shows render-time errors.
const target = document.getElementById("app");
if (!target) throw new Error("missing #app");
export default mount(App, { target });
