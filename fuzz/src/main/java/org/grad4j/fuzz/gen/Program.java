package org.grad4j.fuzz.gen;

import java.util.List;

/**
 * One generated program: a class whose first method is the {@code @Differentiable} entry, the
 * helpers it calls, and the arguments to differentiate it at.
 *
 * @param fields static fields, each a pair {plain declaration, dual declaration}
 * @param virtuals interfaces with implementations called through an array of instances
 * @param args one value per entry parameter: Double, Float, Integer, Long, double[] or double[][]
 * @param lambda also differentiate the entry through a capturing lambda ({@code AD.gradient(VectorFunction, x)})
 * @param values how the value class {@code V2} the entry may use is declared; null when the program has none
 */
public record Program(String className, long seed, List<Method> methods, List<String[]> fields,
                      List<Virtual> virtuals, Object[] args, boolean lambda, ArrayCheck arrayCheck,
                      ValueClass values) {

    /**
     * Also differentiate a helper that returns an array, {@code v -> producer(v, s)}, with
     * {@code AD.jacobian} and {@code AD.vjp} at {@code point}.
     */
    public record ArrayCheck(String producer, double s, double[] point, double[] seed) {}


    public Method entry() {
        return methods.get(0);
    }

    public Program withMethods(List<Method> newMethods) {
        return new Program(className, seed, newMethods, fields, virtuals, args, lambda, arrayCheck, values);
    }

    public Program withoutVirtuals() {
        return new Program(className, seed, methods.stream().filter(m -> m.owner() == null).toList(), fields, List.of(), args, lambda, arrayCheck, values);
    }

    public Program withFields(List<String[]> newFields) {
        return new Program(className, seed, methods, newFields, virtuals, args, lambda, arrayCheck, values);
    }

    public Program withoutLambda() {
        return new Program(className, seed, methods, fields, virtuals, args, false, null, values);
    }

    public Program renamed(String newName) {
        return new Program(newName, seed, methods, fields, virtuals, args, lambda, arrayCheck, values);
    }

    /**
     * The value class {@code V2} of two doubles {@code a}, {@code b}: a record, or a final class
     * whose constructor only sets its final fields (with accessors written out). Both are what
     * grad4j replaces by their fields while the objects stay in the differentiated method; the
     * twin always declares a record {@code V2D} over dual numbers with the same methods.
     */
    public enum ValueClass { RECORD, FINAL_CLASS }

    /** A parameter. */
    public record Param(Ty ty, String name) {}

    /**
     * A method of the program.
     *
     * @param owner null for a method of the program's class; else the nested class implementing a {@link Virtual}
     * @param instance an instance method (implementations always are; the entry sometimes)
     */
    public record Method(String name, Ty ret, List<Param> params, List<Stmt> body, boolean differentiable,
                         String owner, boolean instance) {
        public Method withBody(List<Stmt> newBody) {
            return new Method(name, ret, params, newBody, differentiable, owner, instance);
        }
    }

    /**
     * {@code interface NAME { RET method(PARAMS); }} with implementations {@code impls} (nested
     * classes holding a constant field {@code w = weights[i]}), and
     * {@code static final NAME[] NAME_ALL = {new impl0(), ...}} to call them through.
     */
    public record Virtual(String name, String method, Ty ret, List<Param> params, List<String> impls, List<String> weights) {
        public String all() {
            return name.toUpperCase(java.util.Locale.ROOT) + "_ALL";
        }
    }
}
