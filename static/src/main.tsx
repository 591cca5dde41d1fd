import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "react-redux";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App/App";
import { store } from "./store";
import { prefetchFirstScreen } from "./api/prefetch";
import "./app.css";

const root = document.getElementById("root");
if (root) {
  prefetchFirstScreen(store.dispatch, window.location.pathname, window.location.search);
  createRoot(root).render(
    <StrictMode>
      <Provider store={store}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </Provider>
    </StrictMode>,
  );
}
