// A process that takes request slots and then hangs, to be killed with SIGKILL by the test: its slots are
// never released and never renewed again. argv: backend (postgres|redis) url mailbox count leaseMs keyPrefix
import Redis from 'ioredis';
import { createDataSource } from '../../../src/app/database/data-source';
import { MailboxSemaphore } from '../../../src/sync/throttle/mailbox-semaphore';
import { PgSlotStore } from '../../../src/sync/throttle/pg-slot.store';
import { RedisSlotStore } from '../../../src/sync/throttle/redis-slot.store';

async function main() {
  const [backend, url, mailbox, count, leaseMs, keyPrefix] = process.argv.slice(2);
  let store;
  if (backend === 'redis') {
    store = new RedisSlotStore(new Redis(url), { leaseMs: Number(leaseMs), keyPrefix });
  } else {
    const ds = createDataSource({ url, poolSize: 1 });
    await ds.initialize();
    store = new PgSlotStore(ds, { leaseMs: Number(leaseMs) });
  }
  const semaphore = new MailboxSemaphore(store, { waitMs: 0 });
  for (let i = 0; i < Number(count); i++) await semaphore.acquire(mailbox);
  process.stdout.write('held\n');
  setInterval(() => {}, 1 << 30);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
