import { configureStore } from "@reduxjs/toolkit";
import { setupListeners } from "@reduxjs/toolkit/query";
import { api } from "./api/api";
import { csrfSlice } from "./api/csrf";

export const store = configureStore({
  reducer: {
    [api.reducerPath]: api.reducer,
    csrf: csrfSlice.reducer,
  },
  middleware: (getDefault) => getDefault().concat(api.middleware),
});

// focus and visibility tracking: polls pause in hidden tabs, refetch on return
setupListeners(store.dispatch);

export type RootState = ReturnType<typeof store.getState>;
export type AppDispatch = typeof store.dispatch;
