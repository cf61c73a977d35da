package zkchain;

/** Marker for every message and event that Akka serializes; bound to jackson-cbor in serialization.conf. */
public interface CborSerializable {}
