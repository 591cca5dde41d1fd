import { configureStore } from "@reduxjs/toolkit";
import { api } from "./api/api";
import { csrfSlice } from "./api/csrf";

export const store = configureStore({
  reducer: {
    [api.reducerPath]: api.reducer,
    csrf: csrfSlice.reducer,
  },
  middleware: (getDefault) => getDefault().concat(api.middleware),
});

export type RootState = ReturnType<typeof store.getState>;
export type AppDispatch = typeof store.dispatch;
