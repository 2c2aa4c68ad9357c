// The rule for starting a student from its teacher's weights: same width, no deeper, same vocabulary when known.
import { describe, expect, it } from 'vitest';
import { teacherInitObstacle } from './teacher-init-rule.ts';

describe('teacherInitObstacle', () => {
  const teacher = { nEmbd: 8, nLayer: 6, vocabSize: 11 };

  it('allows a student as wide and as deep or shallower, with the same vocabulary', () => {
    expect(teacherInitObstacle({ nEmbd: 8, nLayer: 6, vocabSize: 11 }, teacher)).toBeNull();
    expect(teacherInitObstacle({ nEmbd: 8, nLayer: 1, vocabSize: 11 }, teacher)).toBeNull();
  });

  it('names the width first, then the depth, then the vocabulary', () => {
    expect(teacherInitObstacle({ nEmbd: 4, nLayer: 7, vocabSize: 3 }, teacher)).toBe("the student's width (nEmbd 4) differs from the teacher's (8)");
    expect(teacherInitObstacle({ nEmbd: 8, nLayer: 7, vocabSize: 3 }, teacher)).toBe('the student has more layers (7) than the teacher (6)');
    expect(teacherInitObstacle({ nEmbd: 8, nLayer: 6, vocabSize: 3 }, teacher)).toBe("the student's vocabulary (3 tokens) differs from the teacher's (11)");
  });

  it('compares vocabularies only when both are known, and words the teacher as asked', () => {
    expect(teacherInitObstacle({ nEmbd: 8, nLayer: 2 }, teacher)).toBeNull();
    expect(teacherInitObstacle({ nEmbd: 8, nLayer: 2, vocabSize: 3 }, { nEmbd: 8, nLayer: 6 })).toBeNull();
    expect(teacherInitObstacle({ nEmbd: 16, nLayer: 2 }, teacher, 'teacher "pretrain-1"')).toBe(`the student's width (nEmbd 16) differs from teacher "pretrain-1"'s (8)`);
  });
});
