import { describeBusContract } from '../test/busContract.ts';
import { InProcessBus } from './bus.ts';

describeBusContract('in-process', async () => new InProcessBus());
