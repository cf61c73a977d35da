/**
 * The state transition: {@link zkchain.execution.Executor} runs a batch on the
 * {@link zkchain.execution.WorldState} at its parent root, a secure
 * {@link zkchain.execution.MerklePatriciaTrie} whose nodes live in a content-addressed
 * {@link zkchain.execution.NodeStore} ({@link zkchain.execution.JdbcNodeStore} behind a
 * {@link zkchain.execution.CachingNodeStore} in a node). Batch 0 is the
 * {@link zkchain.execution.Genesis}. No Akka: the caller chooses the thread.
 */
package zkchain.execution;
