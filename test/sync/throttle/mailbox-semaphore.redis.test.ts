import { backends, semaphoreScenarios } from './mailbox-semaphore.scenarios';

describe('mailbox semaphore on redis', () => semaphoreScenarios(backends.redis));
