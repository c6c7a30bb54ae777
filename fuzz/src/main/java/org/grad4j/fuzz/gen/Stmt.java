package org.grad4j.fuzz.gen;

import java.util.List;

/** A statement of a generated program. */
public sealed interface Stmt {

    /** {@code ty name = init;} */
    record Decl(Ty ty, String name, Expr init) implements Stmt {}

    /** {@code name op e;} with op one of = += -= *= /=; compound ops narrow as Java does. */
    record Assign(Ty ty, String name, String op, Expr e) implements Stmt {}

    /** {@code array[index] op e;} (array a double[] expression: a local, a parameter or a row). */
    record Store(Expr array, Expr index, String op, Expr e) implements Stmt {}

    /** {@code matrix[index] = row;}: a row replaced (the row is then shared by two names). */
    record RowStore(Expr matrix, Expr index, Expr row) implements Stmt {}

    /** {@code if (c) {then} else {els}}; els may be empty. */
    record If(Expr c, List<Stmt> then, List<Stmt> els) implements Stmt {}

    /** {@code for (int var = 0; var < bound; var++) {body}} ({@code long var} when wide). */
    record For(String var, boolean wide, Expr bound, List<Stmt> body) implements Stmt {}

    /**
     * A loop on a differentiable or other condition, with a counter that caps it:
     * {@code int var = 0; while (var < cap && c) { var++; body }} (or do-while).
     */
    record While(String var, int cap, Expr c, boolean doWhile, List<Stmt> body) implements Stmt {}

    record Break() implements Stmt {}

    /** {@code label: loop} — a loop that a nested {@code break label} or {@code continue label} may leave. */
    record Labeled(String label, Stmt loop) implements Stmt {}

    /** {@code break label;} */
    record BreakTo(String label) implements Stmt {}

    /** {@code continue label;} */
    record ContinueTo(String label) implements Stmt {}

    record Continue() implements Stmt {}

    /** {@code return e;} (e null in a void method). */
    record Return(Expr e) implements Stmt {}

    /** {@code switch (selector)}: arrow cases, or classic cases that may fall through. */
    record Switch(Expr selector, List<Case> cases, List<Stmt> otherwise, boolean arrow) implements Stmt {}

    /** One case; a classic case without {@code fallsThrough} ends with {@code break}. */
    record Case(int label, List<Stmt> body, boolean fallsThrough) {}

    /** An expression statement: a call of a void method. */
    record Run(Expr call) implements Stmt {}

    /** {@code System.arraycopy(src, srcPos, dst, dstPos, n);} */
    record ArrayCopy(Expr src, Expr srcPos, Expr dst, Expr dstPos, Expr n) implements Stmt {}

    /** {@code Arrays.fill(array, value);} */
    record Fill(Expr array, Expr value) implements Stmt {}

    /**
     * Literal code in both forms, for constructs that users write and grad4j may refuse (a field
     * store, a try/catch, boxing, ...). {@code construct} is what a refusal is expected to name, or
     * null for code that must be accepted (a throw on a path that always throws).
     */
    record Raw(String plain, String dual, String construct) implements Stmt {}
}
