#!/usr/bin/env python3
"""Reference values of the transferability scores (src/transfer/scores.ts), in NumPy float64, written from the papers.

  LogME   You et al. 2021 (ICML): per target column y, maximise the evidence of y = F m + e, m ~ N(0, 1/alpha I),
          e ~ N(0, 1/beta), by the fixed point over the SVD F = U S V^T (x = U^T y, sigma = s^2):
            gamma = sum beta sigma / (alpha + beta sigma)
            |m|^2 = sum beta^2 sigma x^2 / (alpha + beta sigma)^2
            |Fm - y|^2 = sum alpha^2 x^2 / (alpha + beta sigma)^2 + (|y|^2 - sum x^2)
            alpha <- gamma / |m|^2,  beta <- (N - gamma) / |Fm - y|^2      (from alpha = beta = 1)
          until alpha/beta changes by < 1e-8 (relative), then
            L/N = [D/2 log alpha + N/2 log beta - alpha/2 |m|^2 - beta/2 |Fm - y|^2
                   - 1/2 log det(alpha I + beta F^T F) - N/2 log 2 pi] / N,   averaged over columns.
  LEEP    Nguyen et al. 2020 (ICML): theta = softmax(source logits); P(y, z) = 1/N sum_{i: y_i = y} theta_z(x_i);
          P(y|z) = P(y, z) / P(z); LEEP = 1/N sum_i log sum_z P(y_i|z) theta_z(x_i).
  NCE     Tran et al. 2019 (ICCV): z_i = argmax source logits; NCE = sum_{y,z} P(y, z) log P(y|z).
  H-score Bao et al. 2019 (ICIP): tr(pinv(cov f) cov(E[f|y])), both covariances 1/N on centred features.
  regularized H-score  Ibrahim et al. 2022 (ICLR): cov f shrunk by Ledoit-Wolf (alpha from sklearn's formula,
          cross-checked here against sklearn.covariance.ledoit_wolf_shrinkage), tr(inv(S_alpha) (1 - alpha) cov_g).

The H-scores here use the covariance matrices directly (not the spectral form of src/transfer/spectral.ts), so
the two are independent. Writes tests/fixtures/transfer-scores.json.
Run: /usr/bin/python3 tools/gen_transfer_scores.py
"""
import json
import os

import numpy as np
from sklearn.covariance import ledoit_wolf_shrinkage


def logme(F, Y):
    N, D = F.shape
    U, s, Vt = np.linalg.svd(F, full_matrices=False)
    keep = s ** 2 > 1e-6 * (s ** 2).max()
    U, sigma = U[:, keep], s[keep] ** 2
    out = []
    for y in Y.T:
        x = U.T @ y
        x2 = x ** 2
        res_x2 = max(0.0, y @ y - x2.sum())
        alpha, beta = 1.0, 1.0

        def moments(alpha, beta):
            den = alpha + beta * sigma
            gamma = (beta * sigma / den).sum()
            m2 = (beta ** 2 * sigma * x2 / den ** 2).sum()
            res2 = (alpha ** 2 * x2 / den ** 2).sum() + res_x2
            return gamma, m2, res2

        for _ in range(1000):
            gamma, m2, res2 = moments(alpha, beta)
            ratio = alpha / beta
            alpha, beta = gamma / m2, (N - gamma) / res2
            if abs(alpha / beta - ratio) / ratio < 1e-8:
                break
        gamma, m2, res2 = moments(alpha, beta)
        logdet = np.linalg.slogdet(alpha * np.eye(D) + beta * F.T @ F)[1]
        ev = D / 2 * np.log(alpha) + N / 2 * np.log(beta) - alpha / 2 * m2 - beta / 2 * res2 - logdet / 2 - N / 2 * np.log(2 * np.pi)
        out.append(ev / N)
    return float(np.mean(out))


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def leep(logits, labels, K):
    theta = softmax(logits)
    N = len(labels)
    Y = np.eye(K)[labels]
    joint = Y.T @ theta / N
    cond = joint / joint.sum(0, keepdims=True)
    return float(np.mean(np.log((theta @ cond.T)[np.arange(N), labels])))


def nce(logits, labels, K):
    z = logits.argmax(1)
    N = len(labels)
    joint = np.zeros((K, logits.shape[1]))
    np.add.at(joint, (labels, z), 1.0 / N)
    pz = joint.sum(0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log((joint / np.where(pz > 0, pz, 1))[nz])).sum())


def h_scores(F, labels, K):
    N, D = F.shape
    X = F - F.mean(0)
    cov_f = X.T @ X / N
    G = np.zeros_like(X)
    for k in range(K):
        G[labels == k] = X[labels == k].mean(0)
    cov_g = G.T @ G / N
    h = float(np.trace(np.linalg.pinv(cov_f, rcond=1e-6, hermitian=True) @ cov_g))
    mu = np.trace(cov_f) / D
    frob = (cov_f ** 2).sum()
    beta_ = ((X ** 2).sum(1) ** 2).sum()
    beta = (beta_ / N - frob) / (D * N)
    delta = (frob - 2 * mu * np.trace(cov_f) + D * mu ** 2) / D
    alpha = min(beta, delta) / delta
    sk = ledoit_wolf_shrinkage(X, assume_centered=True)
    assert abs(alpha - sk) < 1e-10, (alpha, sk)
    s_alpha = (1 - alpha) * cov_f + alpha * mu * np.eye(D)
    reg = float(np.trace(np.linalg.solve(s_alpha, (1 - alpha) * cov_g)))
    return h, reg, float(alpha)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def features(rng, n, d, labels, k):
    centres = rng.normal(0, 1.0, (k, d))
    return f32(np.maximum(rng.normal(0, 1.0, (n, d)) + centres[labels] + 0.3, 0))


def main():
    rng = np.random.default_rng(24)
    cases = []
    for name, n, d, k in [('primal', 160, 12, 4), ('dual', 40, 64, 3)]:
        labels = np.arange(n) % k
        rng.shuffle(labels)
        F = features(rng, n, d, labels, k)
        h, reg, alpha = h_scores(F, labels, k)
        cases.append({'name': name, 'n': n, 'd': d, 'classes': k, 'features': F.ravel().tolist(), 'labels': labels.tolist(),
                      'logME': logme(F, np.eye(k)[labels]), 'hScore': h, 'regularizedHScore': reg, 'shrinkage': alpha})
    n, d = 100, 8
    F = f32(rng.normal(0, 1, (n, d)))
    W = rng.normal(0, 1, (d, 2))
    T = f32(F @ W + 0.5 * rng.normal(0, 1, (n, 2)))
    regression = {'n': n, 'd': d, 'features': F.ravel().tolist(), 'targets': T.ravel().tolist(), 'logME': logme(F, T)}
    n, z, k = 150, 5, 4
    labels = rng.integers(0, k, n)
    logits = f32(rng.normal(0, 1.5, (n, z)) + 2.0 * np.eye(z)[(labels + rng.integers(0, 2, n)) % z])
    source = {'n': n, 'z': z, 'classes': k, 'logits': logits.ravel().tolist(), 'labels': labels.tolist(),
              'leep': leep(logits, labels, k), 'nce': nce(logits, labels, k)}
    out = {'generator': 'tools/gen_transfer_scores.py', 'cases': cases, 'regression': regression, 'source': source}
    path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'transfer-scores.json')
    with open(path, 'w') as fh:
        json.dump(out, fh, separators=(',', ':'))
    for c in cases:
        print(c['name'], 'logME', c['logME'], 'H', c['hScore'], 'regH', c['regularizedHScore'], 'alpha', c['shrinkage'])
    print('regression logME', regression['logME'], 'leep', source['leep'], 'nce', source['nce'])


if __name__ == '__main__':
    main()
