/**
 * The rules of PROTOCOL.md that need no state and no I/O: transaction decoding and the stateless
 * rules 1–4 ({@link zkchain.protocol.TransactionDecoder}), batches and their transaction list
 * ({@link zkchain.protocol.Batch}, {@link zkchain.protocol.BatchTransactions}),
 * {@link zkchain.protocol.AccInputHash}, and the sequencer feed's messages and signature
 * ({@link zkchain.protocol.FeedMessage}, {@link zkchain.protocol.FeedSignature}), and secp256k1
 * recovery and signing ({@link zkchain.protocol.Secp256k1}).
 * No Akka, no network: plain functions over values; the one I/O is loading libsecp256k1, once.
 */
package zkchain.protocol;
