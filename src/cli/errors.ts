/** A failure the CLI reports as one line on stderr (exit code 1). */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command line the CLI does not understand: reported with the help of `topic` (a command or group), or the general usage. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly topic?: string,
  ) {
    super(message);
  }
}
