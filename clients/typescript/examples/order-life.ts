// One order's life through the typed client, against the demo county (`cargo run -- seed-demo`,
// then `APP_ENV=dev cargo run`): the resident places an order, staff publish it to the pool, a
// party member claims, starts and completes it, the resident confirms and rates it; then the
// member gives the resident 1 coin (a point move, with its Idempotency-Key).
//
// Run: `npm run example` (LINLI_URL, default http://127.0.0.1:8080). Checked by `npm run check`.
// The mini-program logs in with POST /api/v1/auth/wechat/login {code} (see README); a local demo
// server has no WeChat, so this uses dev login by phone (answers 404 in production).
import {
  createLinliClient,
  idempotencyKey,
  LinliError,
  unwrap,
  type LinliClient,
  type Tokens,
} from "../src/index.js";

// The bits of Node this example uses (no @types/node needed).
declare const process: { env: Record<string, string | undefined>; exitCode?: number };

const baseUrl = process.env.LINLI_URL ?? "http://127.0.0.1:8080";

/** A logged-in client whose tokens live in memory (the mini-program keeps them in wx storage). */
async function session(phone: string): Promise<{ api: LinliClient; tokens: Tokens }> {
  let tokens: Tokens | null = null;
  const api = createLinliClient({
    baseUrl,
    getToken: () => tokens?.access_token,
    getRefreshToken: () => tokens?.refresh_token,
    onRefresh: (t) => {
      tokens = t;
    },
    onSessionEnd: (e) => {
      tokens = null;
      console.warn(`session ended (${e.code}): log in again`);
    },
  });
  tokens = await unwrap(api.POST("/api/v1/auth/dev/login", { body: { phone, name: "示例" } }));
  return { api, tokens };
}

async function main(): Promise<void> {
  const resident = await session("13800000301"); // 吴居民, lives in 第一网格 (region 4)
  const staff = await session("13800000101"); // 钱社工, staff of 和平社区
  const member = await session("13800000201"); // 李党员, party member

  // 群众点单: the catalogue of the resident's grid, then the order. The same key on a retry
  // returns the first order instead of a second one.
  const items = await unwrap(
    resident.api.GET("/api/v1/regions/{id}/service-items", { params: { path: { id: "4" } } }),
  );
  const item = items.find((i) => i.active);
  const placed = await unwrap(
    resident.api.POST("/api/v1/orders", {
      params: { header: { "Idempotency-Key": idempotencyKey() } },
      body: {
        region_id: "4",
        service_item_id: item?.id ?? null,
        title: "厨房下水道堵了",
        address: "1 单元 101",
        contact_phone: "13800000301",
        urgency: "normal",
      },
    }),
  );
  console.log(`placed order ${placed.id}: ${placed.status}`);
  const path = { id: placed.id };

  // 社区派单: to the pool of party members.
  const published = await unwrap(
    staff.api.POST("/api/v1/orders/{id}/dispatch", { params: { path }, body: { mode: "publish" } }),
  );
  console.log(`dispatched: ${published.status}`);

  // 党员接单: claim from the pool, start, complete with the minutes served.
  const pool = await unwrap(member.api.GET("/api/v1/orders/pool", { params: { query: { limit: 20 } } }));
  console.log(`pool holds it: ${pool.items.some((o) => o.id === placed.id)}`);
  const claimed = await unwrap(member.api.POST("/api/v1/orders/{id}/claim", { params: { path } }));
  console.log(`claimed by ${claimed.assignee?.name}: ${claimed.status}`);

  // A second claim is refused: branch on the stable code, show the Chinese title.
  try {
    await unwrap(member.api.POST("/api/v1/orders/{id}/claim", { params: { path } }));
  } catch (e) {
    if (!(e instanceof LinliError)) throw e;
    switch (e.code) {
      case "ORDER_ALREADY_CLAIMED":
      case "ORDER_INVALID_TRANSITION":
        console.log(`second claim refused: ${e.status} ${e.code} ${e.title}`);
        break;
      default:
        throw e;
    }
  }

  await unwrap(member.api.POST("/api/v1/orders/{id}/start", { params: { path } }));
  const completed = await unwrap(
    member.api.POST("/api/v1/orders/{id}/complete", {
      params: { path },
      body: { minutes: 45, note: "已疏通" },
    }),
  );
  console.log(`completed: ${completed.status}`);

  // 评单: the resident confirms and rates it; the member is paid.
  const closed = await unwrap(
    resident.api.POST("/api/v1/orders/{id}/confirm", {
      params: { path },
      body: { rating: 5, comment: "很及时" },
    }),
  );
  console.log(`confirmed: ${closed.status}, ${closed.credited_minutes} minutes credited`);

  const detail = await unwrap(resident.api.GET("/api/v1/orders/{id}", { params: { path } }));
  console.log(`timeline: ${detail.timeline.map((e) => e.action).join(" → ")}`);

  // A point move needs an Idempotency-Key (the type requires it). Keep the key for the action:
  // sent twice, the second answer replays the first, and the coin moves once.
  const key = idempotencyKey();
  const gift = {
    params: { header: { "Idempotency-Key": key } },
    body: { to_user_id: resident.tokens.user.id, asset: "coin" as const, amount: 1, memo: "谢谢" },
  };
  const first = await unwrap(member.api.POST("/api/v1/transfers", gift));
  const again = await member.api.POST("/api/v1/transfers", gift);
  console.log(
    `gift ${first.id} (${first.kind} ${first.amount} ${first.asset}); retried: ${again.data?.id}, ` +
      `replayed: ${again.response.headers.get("Idempotent-Replayed")}`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof LinliError ? `${e.message} ${JSON.stringify(e.errors)}` : e);
  process.exitCode = 1;
});
