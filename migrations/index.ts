// Every migration, in order. Listed explicitly so they load the same under swc, jest and tsc.
import { Tenancy1763700000000 } from './1763700000000-tenancy';

export const migrations = [Tenancy1763700000000];
