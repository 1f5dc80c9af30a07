import { backends, semaphoreScenarios } from './mailbox-semaphore.scenarios';

describe('mailbox semaphore on postgres', () => semaphoreScenarios(backends.postgres));
