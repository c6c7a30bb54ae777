package org.grad4j.fuzz.gen;

import java.util.List;

/**
 * An expression of a generated program. Each knows its Java type; {@link Emitter} writes it twice:
 * as plain Java, and in forward mode over dual numbers.
 */
public sealed interface Expr {
    Ty ty();

    /** A literal as Java spells it ({@code 1.25}, {@code 3}, {@code 2L}, {@code 0.5f}). */
    record Lit(Ty ty, String text) implements Expr {}

    /** A local variable or parameter. */
    record Ref(Ty ty, String name) implements Expr {}

    /** {@code array[index]}, a double. */
    record Elem(Expr array, Expr index) implements Expr {
        public Ty ty() { return Ty.DOUBLE; }
    }

    /** {@code matrix[index]}, a row. */
    record Row(Expr matrix, Expr index) implements Expr {
        public Ty ty() { return Ty.DARR; }
    }

    /** {@code array.length}. */
    record Len(Expr array) implements Expr {
        public Ty ty() { return Ty.INT; }
    }

    /** {@code a op b} for + - * / %. */
    record Bin(char op, Expr a, Expr b) implements Expr {
        public Ty ty() { return Ty.promote(a.ty(), b.ty()); }
    }

    record Neg(Expr a) implements Expr {
        public Ty ty() { return a.ty(); }
    }

    /**
     * {@code Math.name(args)} of result type {@code ty}. Step functions (floor, ceil, rint, signum)
     * of active arguments have derivative zero; {@code floorMod} and friends are integral.
     */
    record Fn(String name, Ty ty, List<Expr> args) implements Expr {}

    /** {@code (to) a}. */
    record Cast(Ty ty, Expr a) implements Expr {}

    /** {@code c ? a : b}. */
    record Cond(Expr c, Expr a, Expr b) implements Expr {
        public Ty ty() { return a.ty() == b.ty() ? a.ty() : Ty.promote(a.ty(), b.ty()); } // two V2s stay a V2
    }

    /** A call of a generated method. */
    record Call(String name, Ty ty, List<Ty> params, List<Expr> args) implements Expr {}

    /** {@code ALL[index].method(args)}: a virtual call through an interface, on one of its implementations. */
    record VCall(String all, Expr index, String method, Ty ty, List<Ty> params, List<Expr> args) implements Expr {}

    /** {@code new CLS().method(args)}: a virtual call on an object made on the spot (it holds only constants). */
    record NewCall(String cls, String method, Ty ty, List<Ty> params, List<Expr> args) implements Expr {}

    /** {@code Arrays.copyOfRange(array, from, to)} of a double[] ({@code to} may pass the end: zeros). */
    record CopyRange(Expr array, Expr from, Expr to) implements Expr {
        public Ty ty() { return Ty.DARR; }
    }

    /** {@code a op b} for < <= > >= == !=. */
    record Cmp(String op, Expr a, Expr b) implements Expr {
        public Ty ty() { return Ty.BOOL; }
    }

    /** {@code a && b}, {@code a || b}. */
    record Logic(String op, Expr a, Expr b) implements Expr {
        public Ty ty() { return Ty.BOOL; }
    }

    record Not(Expr a) implements Expr {
        public Ty ty() { return Ty.BOOL; }
    }

    /** {@code new double[n]} or {@code new double[n][m]} (m null for one dimension). */
    record NewArray(Expr n, Expr m) implements Expr {
        public Ty ty() { return m == null ? Ty.DARR : Ty.DARR2; }
    }

    /** {@code a.clone()} or {@code Arrays.copyOf(a, n)} (n null for clone) of a double[]. */
    record Copy(Expr array, Expr n) implements Expr {
        public Ty ty() { return Ty.DARR; }
    }

    /** {@code new V2(a, b)}, or the factory {@code V2.of(a, b)} or {@code V2.polar(a, b)} ({@code factory} null for {@code new}). */
    record VecNew(String factory, Expr a, Expr b) implements Expr {
        public Ty ty() { return Ty.VEC; }
    }

    /** {@code V2.ZERO}: a static constant of the value class. */
    record VecZero() implements Expr {
        public Ty ty() { return Ty.VEC; }
    }

    /** {@code recv.method(args)}: a method of the value class ({@code plus}, {@code scale}, {@code dot}, ...) of result type {@code ty}. */
    record VecOp(Expr recv, String method, Ty ty, List<Ty> params, List<Expr> args) implements Expr {}

    /** {@code recv.a()} or {@code recv.b()} through the accessor, or the field itself ({@code recv.a}). */
    record VecGet(Expr recv, String field, boolean accessor) implements Expr {
        public Ty ty() { return Ty.DOUBLE; }
    }
}
