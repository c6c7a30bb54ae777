package org.grad4j.transformer.analysis;

import org.grad4j.rules.Rule;

/** What a method call is to the transform. */
public sealed interface Callee {
    /** A primitive with a reverse rule in the rule table. */
    record Ruled(Rule rule) implements Callee {}

    /**
     * A method whose body is differentiated: called through its generated entry.
     * {@code isStatic} tells whether the receiver is passed; {@code virtual} that the receiver's
     * class chooses the body at run time ({@code owner} is then the call's static owner).
     */
    record Differentiated(String owner, String name, String descriptor, boolean isStatic, boolean virtual)
            implements Callee {}

    /** A JDK whole-array operation (copy, fill, clone) whose reverse works on shadows. */
    record ArrayOp(Kind kind) implements Callee {
        /** {@code SAME}: {@code Objects.requireNonNull}, whose result is its argument. */
        public enum Kind { ARRAYCOPY, FILL, FILL_RANGE, COPY_OF, COPY_OF_RANGE, CLONE, SAME }
    }

    /** Anything else: called as written; refused when it receives differentiable values. */
    record Plain(String why) implements Callee {}
}
