// The CSRF token of the browser session, sent with every state-changing request.
import { createSlice, type PayloadAction } from "@reduxjs/toolkit";

interface CsrfState {
  token: string | null;
}

const initialState: CsrfState = { token: null };

export const csrfSlice = createSlice({
  name: "csrf",
  initialState,
  reducers: {
    setCsrfToken(state, action: PayloadAction<string | null>) {
      state.token = action.payload;
    },
  },
});

export const { setCsrfToken } = csrfSlice.actions;
