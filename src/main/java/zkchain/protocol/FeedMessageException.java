package zkchain.protocol;

/** A feed frame that is not a message of PROTOCOL.md §6; the message says which field and why. */
public final class FeedMessageException extends IllegalArgumentException {
  public FeedMessageException(String message) {
    super(message);
  }

  public FeedMessageException(String message, Throwable cause) {
    super(message, cause);
  }
}
