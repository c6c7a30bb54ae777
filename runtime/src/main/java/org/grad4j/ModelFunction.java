package org.grad4j;

/** A loss computed from a model object; serializable so that grad4j can find its body. */
@FunctionalInterface
public interface ModelFunction<M> extends java.io.Serializable {
    double apply(M model);
}
