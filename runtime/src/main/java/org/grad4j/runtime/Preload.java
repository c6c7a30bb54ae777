package org.grad4j.runtime;

import org.grad4j.GradientException;

/**
 * Initialises, at shallow depth, the classes generated code reaches: a
 * {@code StackOverflowError} inside a static initialiser deep in a gradient's recursion would
 * leave that class unusable for the JVM's life (DESIGN §9).
 */
final class Preload {
    private Preload() {}

    private static final String[] CLASSES = {
        "org.grad4j.runtime.Ctx", "org.grad4j.runtime.DoubleContinuation", "org.grad4j.runtime.FloatContinuation",
        "org.grad4j.runtime.VoidContinuation", "org.grad4j.runtime.TopContinuation",
        "org.grad4j.runtime.DepthExceededException", "org.grad4j.GradientException", "org.grad4j.TransformException",
        "org.grad4j.runtime.Linker", "org.grad4j.runtime.Bridge", "org.grad4j.runtime.StackExtension",
        "org.grad4j.runtime.MoveRequest", "org.grad4j.runtime.ValueTape",
        "org.grad4j.rules.RuleTable", // registers, and so initialises, the built-in rule classes
        "java.lang.StrictMath",
    };

    static void classes() {
        ClassLoader loader = Preload.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException e) {
                throw new GradientException("grad4j: runtime class " + name + " is missing", e);
            }
        }
    }
}
