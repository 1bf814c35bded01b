// The typed linli client: openapi-fetch over the types generated from openapi/openapi.json
// (src/schema.d.ts, `npm run generate`), with a bearer token, one refresh on an expired token,
// Idempotency-Key generation and a typed error from problem+json bodies.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
export type Schemas = components["schemas"];
/** The stable error codes (`code` of every error body). */
export type ErrorCode = Schemas["ErrorCode"];
/** An error body: RFC 9457 problem details with linli's `code`. */
export type Problem = Schemas["Problem"];
/** What a login or a refresh answers: the token pair and the user. */
export type Tokens = Schemas["TokensOut"];
export type LinliClient = Client<paths>;

type MaybePromise<T> = T | Promise<T>;

export interface LinliClientOptions {
  /** Where the API is served, without `/api/v1` (the paths carry it): `https://linli.example.cn`. */
  baseUrl: string;
  /** The current access token, or nothing before login. */
  getToken: () => MaybePromise<string | null | undefined>;
  /** The current refresh token; without it an expired access token is not refreshed. */
  getRefreshToken?: () => MaybePromise<string | null | undefined>;
  /** Called with the new pair after a refresh: store both (each refresh token works once). */
  onRefresh?: (tokens: Tokens) => MaybePromise<void>;
  /** Called when the session cannot be refreshed (log in again): the refresh's error. */
  onSessionEnd?: (error: LinliError) => MaybePromise<void>;
  /** A fetch for runtimes without one, e.g. {@link wxFetch} in the mini-program. */
  fetch?: (input: Request) => Promise<Response>;
}

const REFRESH_PATH = "/api/v1/auth/refresh";

/** The client. Every call answers `{ data }` or `{ error }`; {@link unwrap} turns it into data or a thrown {@link LinliError}. */
export function createLinliClient(options: LinliClientOptions): LinliClient {
  const fetchFn = options.fetch ?? ((req: Request) => globalThis.fetch(req));
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: fetchFn });
  // Unauthenticated twin for the refresh call itself (no middleware, so no loop).
  const bare = createClient<paths>({ baseUrl: options.baseUrl, fetch: fetchFn });

  // One refresh at a time: concurrent 401s wait for the same one.
  let refreshing: Promise<string | null> | null = null;
  const refresh = (): Promise<string | null> => {
    refreshing ??= (async () => {
      const refreshToken = await options.getRefreshToken?.();
      if (!refreshToken) return null;
      const { data, error, response } = await bare.POST(REFRESH_PATH, {
        body: { refresh_token: refreshToken },
      });
      if (!data) {
        await options.onSessionEnd?.(LinliError.from(response.status, error));
        return null;
      }
      await options.onRefresh?.(data);
      return data.access_token;
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };

  // The request as first built, to send again after a refresh (its body is read by then).
  const originals = new Map<string, Request>();

  const auth: Middleware = {
    async onRequest({ request, id }) {
      const token = await options.getToken();
      if (!token) return request;
      request.headers.set("Authorization", `Bearer ${token}`);
      originals.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const original = originals.get(id);
      originals.delete(id);
      if (!original || response.status !== 401) return undefined;
      const problem = await response.clone().json().catch(() => null) as Partial<Problem> | null;
      if (problem?.code !== "TOKEN_EXPIRED") return undefined;
      const token = await refresh();
      if (!token) return undefined;
      original.headers.set("Authorization", `Bearer ${token}`);
      return fetchFn(original);
    },
    onError({ id }) {
      originals.delete(id);
    },
  };
  client.use(auth);
  return client;
}

/** A failed call: the HTTP status and the problem+json body's fields. */
export class LinliError extends Error {
  readonly status: number;
  /** Stable code to branch on (never on `title`); `UNKNOWN` when the body was not linli's (a proxy's page). */
  readonly code: ErrorCode | "UNKNOWN";
  /** Chinese, ready to show to the user. */
  readonly title: string;
  readonly detail: string | null;
  /** Field errors of a 400 `VALIDATION_FAILED`. */
  readonly errors: Schemas["FieldError"][];

  constructor(status: number, code: ErrorCode | "UNKNOWN", title: string, detail: string | null = null, errors: Schemas["FieldError"][] = []) {
    super(`${status} ${code}: ${title}${detail ? `（${detail}）` : ""}`);
    this.name = "LinliError";
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }

  /** From a status and whatever body openapi-fetch parsed. */
  static from(status: number, body: unknown): LinliError {
    if (body && typeof body === "object" && typeof (body as Problem).code === "string") {
      const p = body as Problem;
      return new LinliError(status, p.code, p.title, p.detail ?? null, p.errors ?? []);
    }
    return new LinliError(status, "UNKNOWN", "网络或服务异常，请稍后再试", typeof body === "string" ? body.slice(0, 200) : null);
  }
}

/** The data of a call, or a thrown {@link LinliError}. */
export async function unwrap<D, E>(call: Promise<{ data?: D; error?: E; response: Response }>): Promise<D> {
  const { data, error, response } = await call;
  if (!response.ok) throw LinliError.from(response.status, error);
  return data as D;
}

/**
 * A fresh Idempotency-Key (1–64 visible ASCII characters). Make one per user action and send the
 * same key on every retry of that action: a retry then replays the first answer instead of moving
 * points twice.
 */
export function idempotencyKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  // The mini-program runtime has no crypto.randomUUID: time plus 80 random bits.
  let r = "";
  for (let i = 0; i < 4; i++) r += Math.floor(Math.random() * 0x100000).toString(16).padStart(5, "0");
  return `${Date.now().toString(36)}-${r}`;
}

/** The part of the mini-program's `wx` that {@link wxFetch} uses (no dependency on WeChat typings). */
export interface WxLike {
  request(options: {
    url: string;
    method?: string;
    header?: Record<string, string>;
    data?: string;
    dataType?: string;
    responseType?: string;
    success?: (res: { statusCode: number; header: Record<string, string>; data: unknown }) => void;
    fail?: (err: { errMsg: string }) => void;
  }): unknown;
}

/**
 * A fetch over `wx.request`, for `createLinliClient({ fetch: wxFetch(wx) })`. openapi-fetch still
 * builds `Request` and `Response` objects: where the runtime lacks them (the mini-program), install
 * pure-JS classes as `globalThis.Headers`, `Request` and `Response` first (e.g. whatwg-fetch's).
 */
export function wxFetch(wx: WxLike): (input: Request) => Promise<Response> {
  return async (input) => {
    const header: Record<string, string> = {};
    input.headers.forEach((value, key) => {
      header[key] = value;
    });
    const body = input.method === "GET" || input.method === "HEAD" ? undefined : await input.text();
    return new Promise<Response>((resolve, reject) => {
      wx.request({
        url: input.url,
        method: input.method,
        header,
        ...(body ? { data: body } : {}),
        dataType: "text", // keep the body as text: Response parses it
        responseType: "text",
        success: (res) => {
          const text = typeof res.data === "string" ? res.data : JSON.stringify(res.data);
          const noBody = res.statusCode === 204 || res.statusCode === 304;
          resolve(new Response(noBody ? null : text, { status: res.statusCode, headers: res.header }));
        },
        fail: (err) => reject(new TypeError(err.errMsg)),
      });
    });
  };
}
