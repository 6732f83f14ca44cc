import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { connectStrata } from './bridge/index.js';
import { provideStrataApi } from './stores/strata-api.js';
import './styles.css';

const root = document.getElementById('app')!;

try {
  provideStrataApi(await connectStrata());
  createApp(App).use(createPinia()).mount(root);
} catch (error) {
  const message = document.createElement('p');
  message.className = 'fatal';
  message.setAttribute('role', 'alert');
  message.textContent = error instanceof Error ? error.message : String(error);
  root.replaceChildren(message);
}
