/**
 * A storage-like consumer in a process of its own, to be killed mid-batch
 * (test/kafkaBus.test.ts). Arguments: a JSON KafkaBusOptions, the topic, and
 * how many messages to store before the handler hangs in the middle of its
 * batch. It prints `joined` once subscribed and `stored <n>` for each
 * message stored; a `stored` line is what "written to the database" means
 * here.
 */
import { KafkaBus, type KafkaBusOptions } from '../../pipeline/kafkaBus.ts';

const [optionsJson, topic, storeBeforeHang] = process.argv.slice(2);
const bus = new KafkaBus({ ...(JSON.parse(optionsJson) as KafkaBusOptions), logLevel: 'silent' });
let stored = 0;
await bus.subscribeBatch<{ n: number }>(topic, 'store', async (messages) => {
  for (const message of messages) {
    // Hangs part-way through the batch: what it stored so far is not committed yet.
    if (stored === Number(storeBeforeHang)) await new Promise(() => {});
    process.stdout.write(`stored ${message.value.n}\n`);
    stored++;
  }
});
process.stdout.write('joined\n');
