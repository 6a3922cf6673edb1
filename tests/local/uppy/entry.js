// What the test page gets: Uppy's own packages, unchanged, as globals.
import Uppy from '@uppy/core'
import AwsS3 from '@uppy/aws-s3'
import GoldenRetriever from '@uppy/golden-retriever'

window.Uppy = Uppy
window.AwsS3 = AwsS3
window.GoldenRetriever = GoldenRetriever
