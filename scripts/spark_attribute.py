"""The attribution as a spark-submit job (see docs/spark.md):

    spark-submit --master yarn --deploy-mode client scripts/spark_attribute.py --input DIR --output DIR

The driver needs `pip install 'analyzer[spark]'`; executors need Python only.
"""

from analyzer.spark.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
