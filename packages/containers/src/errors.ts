import { RecordsError } from '@cs/records';

/** No container matches the reference (Go ErrContainerUnknown: "container not known"). */
export class ContainerUnknownError extends RecordsError {
  constructor(readonly reference: string) {
    super('ERR_CONTAINER_UNKNOWN', 'container not known');
  }
}
