/** A file of the output folder could not be written or removed (permissions, a full disk): what to do next is in the message. */
export class OutputWriteError extends Error {
  override readonly name = "OutputWriteError";
}
