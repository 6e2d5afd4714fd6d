// This package's tests use the shared test kit (tools/test-kit); one import path for them all.
export * from '@cs/test-kit/process';
export * from '@cs/test-kit/go-cli';
export * from '@cs/test-kit/fs-tree';
