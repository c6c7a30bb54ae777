package refusals;

import org.grad4j.Differentiable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Tensor constructs grad4j refuses; markers as in Refused.java. Needs nd4j-api only: refusals come before anything runs. */
public class RefusedTensors {

    @Differentiable
    static double inPlace(INDArray w) {
        INDArray h = w.mul(2.0);
        h.addi(1.0); // REFUSED(inPlace) in-place INDArray.addi on an active INDArray | use add(...)
        return h.sumNumber().doubleValue();
    }

    static INDArray mask; // data; never set: the refusal comes before anything runs

    @Differentiable
    static double dataChangedAfterUse(INDArray w) {
        INDArray a = w.mul(mask);
        mask.addi(1.0); // REFUSED(dataChangedAfterUse) in-place INDArray.addi of a tensor that an operation on differentiable values has already read | c = c.add(...)
        return a.sumNumber().doubleValue();
    }

    @Differentiable
    static double noRule(INDArray w) {
        INDArray c = Transforms.sigmoidDerivative(w); // REFUSED(noRule) call of Transforms.sigmoidDerivative with a differentiable tensor: grad4j has no rule for this ND4J operation | register a custom rule with AD.registerRules
        return c.sumNumber().doubleValue();
    }

    @Differentiable
    static double unitVecInPlace(INDArray w) {
        INDArray c = Transforms.unitVec(w); // REFUSED(unitVecInPlace) in-place Transforms.unitVec on an active INDArray | x.div(x.norm2Number())
        return c.sumNumber().doubleValue();
    }

    @Differentiable
    static double changedByAVoidCall(INDArray w) {
        INDArray h = w.mul(2.0);
        if (!BooleanIndexing.or(h, Conditions.lessThan(0))) return h.sumNumber().doubleValue(); // a query: not refused
        BooleanIndexing.replaceWhere(h, 0.0, Conditions.lessThan(0)); // REFUSED(changedByAVoidCall) a call of BooleanIndexing.replaceWhere, which may change in place the differentiable tensor it is given | h.mul(h.gte(0).castTo(h.dataType()))
        return h.sumNumber().doubleValue();
    }

    @Differentiable
    static double matrixOfValues(INDArray w) {
        double a = w.getDouble(0), b = w.getDouble(1);
        INDArray m = org.nd4j.linalg.factory.Nd4j.create(new double[][] {{a, b}, {b, a}}); // REFUSED(matrixOfValues) call of Nd4j.create with a differentiable array | Nd4j.create(values, rows, columns)
        return m.sumNumber().doubleValue();
    }

    @Differentiable
    static double columnMajorOfValues(INDArray w) {
        double[] v = {w.getDouble(0), w.getDouble(1), 2, 3};
        INDArray m = org.nd4j.linalg.factory.Nd4j.create(v, new long[] {2, 2}, 'f'); // REFUSED(columnMajorOfValues) call of Nd4j.create with a differentiable array: grad4j has no rule for this ND4J operation (this overload | in the default order and data type
        return m.mmul(m).sumNumber().doubleValue();
    }

    @Differentiable
    static double valuesToJava(INDArray w) {
        double[] v = w.mul(2.0).toDoubleVector(); // REFUSED(valuesToJava) call of INDArray.toDoubleVector with a differentiable tensor | getDouble(i)
        return v[0] * v[1];
    }
}
