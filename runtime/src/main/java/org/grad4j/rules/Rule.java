package org.grad4j.rules;

import java.util.Arrays;
import java.util.Objects;

/**
 * The reverse rule of one primitive: for each argument, the static adjoint method (owner,
 * name, descriptor in JVM internal form) that returns its adjoint contribution, or null
 * where the argument gets none (not differentiable, or a zero derivative).
 *
 * <p>Every adjoint method has the descriptor {@code (P0..Pn R D)A}: the primitive's
 * arguments, its result, and the result's adjoint, returning the argument's adjoint {@code A};
 * or {@code (P0..Pn R D INDArray)V} for an {@link AdjointMethod#into} method. (The transformer
 * lends the rule of {@code Transforms.f(x, ...)} to {@code f(x, ..., boolean dup)}: its adjoint
 * methods then take the arguments before the flag.)
 */
public final class Rule {
    private final String owner;
    private final String name;
    private final String descriptor;
    private final AdjointMethod[] adjoints;
    private final boolean instance;

    public Rule(String owner, String name, String descriptor, AdjointMethod[] adjoints) {
        this(owner, name, descriptor, adjoints, false);
    }

    /** @param instance a rule of an instance method: adjoint 0 is the receiver's */
    public Rule(String owner, String name, String descriptor, AdjointMethod[] adjoints, boolean instance) {
        this.owner = Objects.requireNonNull(owner);
        this.name = Objects.requireNonNull(name);
        this.descriptor = Objects.requireNonNull(descriptor);
        this.adjoints = adjoints.clone();
        this.instance = instance;
    }

    /** Whether the primitive is an instance method (its receiver is argument 0). */
    public boolean isInstance() { return instance; }

    public String owner() { return owner; }
    public String name() { return name; }
    public String descriptor() { return descriptor; }

    /** The adjoint method of argument {@code i} (the receiver counts as 0 for instance methods), or null. */
    public AdjointMethod adjoint(int i) { return adjoints[i]; }

    public int arity() { return adjoints.length; }

    @Override
    public String toString() {
        return owner + '.' + name + descriptor + Arrays.toString(adjoints);
    }

    /**
     * A static method {@code owner.name descriptor}, in JVM internal names. With {@code into}, it
     * returns nothing and adds its contribution into an extra last argument (see {@link Adjoint#into}).
     */
    public record AdjointMethod(String owner, String name, String descriptor, boolean into) {
        public AdjointMethod(String owner, String name, String descriptor) {
            this(owner, name, descriptor, false);
        }

        @Override
        public String toString() {
            return owner + '.' + name + descriptor;
        }
    }
}
