import type { PeopleStore } from '@mpi/client';
import { useSocketService } from '@mpi/react';
import { useSyncExternalStore } from 'react';

/** The SDK's people store, re-rendering the caller whenever a name, avatar or presence changes. */
export function usePeople(): PeopleStore {
  const { people } = useSocketService();
  useSyncExternalStore(people.subscribe, people.getVersion, people.getVersion);
  return people;
}
