"""Products: BKA product readers, the RPC camera model and STAC items.

One module per format or concept; this front module re-exports the public names.
"""

from zorka.products.bounds import Bounds, read_bounds
from zorka.products.delivery import is_delivery, read_delivery
from zorka.products.eop import EopMetadata, read_eop
from zorka.products.errors import ProductFormatError
from zorka.products.frame_passport import FramePassport, read_frame_passport
from zorka.products.passport import PassportBand, ProductPassport, read_passport
from zorka.products.product import BkaProduct, Frame, read_product_folder
from zorka.products.quicklook import QuickLookError, QuickLooks, add_quicklooks, make_quicklooks
from zorka.products.rpc import RPCModel, union_footprint
from zorka.products.scan import ProductScan, find_products
from zorka.products.worldfile import WorldFile, read_world_file

__all__ = [
    "BkaProduct",
    "Bounds",
    "EopMetadata",
    "Frame",
    "FramePassport",
    "PassportBand",
    "ProductFormatError",
    "ProductPassport",
    "ProductScan",
    "QuickLookError",
    "QuickLooks",
    "RPCModel",
    "WorldFile",
    "add_quicklooks",
    "find_products",
    "is_delivery",
    "make_quicklooks",
    "read_bounds",
    "read_delivery",
    "read_eop",
    "read_frame_passport",
    "read_passport",
    "read_product_folder",
    "read_world_file",
    "union_footprint",
]
