// The benchmark Worker without any client: plain fetch only (the cold-start floor).
import { handler } from "./common.mjs";

export default handler(() => null);
