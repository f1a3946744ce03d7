// Owned by its author; filled in progress.
export {};
