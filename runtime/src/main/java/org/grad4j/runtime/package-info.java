/**
 * What generated code and {@link org.grad4j.AD} share at run time.
 *
 * <ul>
 *   <li>Used by generated code: {@link org.grad4j.runtime.Ctx} (adjoint registers, stack
 *       budget), the continuations, {@link org.grad4j.runtime.Linker} (invokedynamic
 *       bootstraps).</li>
 *   <li>The agent's hook: {@link org.grad4j.runtime.Bridge}, whose javadoc states the entry
 *       contract.</li>
 *   <li>Behind {@code AD}, one job each: {@link org.grad4j.runtime.Functions} (a lambda or
 *       function object to a method and arguments), {@link org.grad4j.runtime.MethodCalls}
 *       (the same for a reflective request), {@link org.grad4j.runtime.EntryCall} (calls an
 *       entry by the contract), {@link org.grad4j.runtime.Shadows} (zero adjoint arrays),
 *       {@link org.grad4j.runtime.Workers} and {@link org.grad4j.runtime.WorkerSettings}
 *       (large-stack worker threads).</li>
 * </ul>
 */
package org.grad4j.runtime;
